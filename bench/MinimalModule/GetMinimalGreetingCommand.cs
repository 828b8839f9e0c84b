using System.Management.Automation;

namespace MinimalModule
{
    /// <summary>The baseline module's one cmdlet.</summary>
    [Cmdlet(VerbsCommon.Get, "MinimalGreeting")]
    [OutputType(typeof(string))]
    public sealed class GetMinimalGreetingCommand : PSCmdlet
    {
        protected override void ProcessRecord() => WriteObject("hello");
    }
}
