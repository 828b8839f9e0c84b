namespace NebulaVideo.Core.Catalog
{
    /// <summary>
    /// Where a model stands on its gateway, from the day the catalog says it retires and today (UTC). Models
    /// come and go on these gateways; the catalog says so in advance, so the module warns before money or time
    /// is spent instead of failing late. NebulaVideo never refuses a model for it: a gateway may still serve it.
    /// </summary>
    public enum ModelLifecycle
    {
        /// <summary>No retirement announced.</summary>
        Active,

        /// <summary>Served until its retirement day, which is still to come.</summary>
        Retiring,

        /// <summary>Its retirement day has come: the gateway, or the model's upstream, has stopped serving it.</summary>
        Retired,
    }
}
