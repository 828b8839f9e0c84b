using System;
using System.IO;

namespace NebulaVideo.Core.Tests
{
    /// <summary>The JSON examples of the gateway documents (shared/seeds 000 and 002), kept verbatim under Fixtures/.</summary>
    internal static class Seed
    {
        public static string Json(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".json"));

        /// <summary>The submission body a request gets from its model's dialect.</summary>
        public static byte[] Body(VideoRequest request)
        {
            var model = Catalog.ModelCatalog.BuiltIn.Get(request.Model);
            return Gateways.Dialects.Get(model.Dialect).BuildSubmitBody(request, model);
        }

        public static string RepoFile(params string[] parts)
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "NebulaVideo.sln")))
                    return Path.Combine(dir.FullName, Path.Combine(parts));
            throw new InvalidOperationException("Cannot find the repository root.");
        }
    }
}
