using System;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NebulaVideo
{
    /// <summary>
    /// Lets the module's own dependencies (System.Text.Json, Polly and theirs) load from the module folder
    /// whatever version another of them asks for. Windows PowerShell 5.1 has no binding redirects for a
    /// module, so without this a netstandard2.0 dependency graph fails to load there; on PowerShell 7 the
    /// host's newer copies are found first and this handler is not reached for them.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string ModuleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;

        public void OnImport()
        {
            AppDomain.CurrentDomain.AssemblyResolve += ResolveFromModuleFolder;
            if (RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal))
                AllowTls12();
        }

        // Windows PowerShell 5.1 may still default to TLS 1.0/1.1, which gateways refuse. Adding 1.2 to the
        // process's allowed protocols takes nothing away from anyone else. A method of its own so that
        // PowerShell 7 never loads System.Net's assemblies at import just to compile a branch it skips.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void AllowTls12() => ServicePointManager.SecurityProtocol |= SecurityProtocolType.Tls12;

        public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromModuleFolder;

        private static Assembly? ResolveFromModuleFolder(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            var path = Path.Combine(ModuleFolder, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }
    }
}
