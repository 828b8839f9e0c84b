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
    /// Keeps the module's own dependencies (NebulaVideo.Core, Polly, System.Text.Json and theirs, in the
    /// Dependencies folder) from clashing with the host's or another module's. On PowerShell 7 they load into
    /// an assembly load context of their own (NebulaVideo.Isolation, from 7.4 on); on Windows PowerShell 5.1, which
    /// has no load contexts and no binding redirects for a module, a resolver hands out the module's copies
    /// whatever version is asked for.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly string ModuleFolder = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
        private static readonly string DependencyFolder = Path.Combine(ModuleFolder, "Dependencies");
        private static readonly bool IsDesktop = RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        // NebulaVideo.Isolation is a net8.0 assembly: PowerShell 7.4 and later. Older 7.x (on .NET 6 or 7, out of
        // support) get the resolver instead: the module works there, without the isolation.
        private static readonly bool CanIsolate = !IsDesktop && Environment.Version.Major >= 8;

        public void OnImport()
        {
            if (CanIsolate)
            {
                IsolateDependencies();
                return;
            }
            AppDomain.CurrentDomain.AssemblyResolve += ResolveFromDependencies;
            if (IsDesktop) AllowTls12();
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            if (CanIsolate) NameCoreTypes(add: false);
            else AppDomain.CurrentDomain.AssemblyResolve -= ResolveFromDependencies;
        }

        // Methods of their own, so that each runtime compiles only the branch it takes (PowerShell 7 never loads
        // System.Net at import, Windows PowerShell never looks for the net8.0 assembly).
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void IsolateDependencies()
        {
            var isolation = Assembly.LoadFrom(Path.Combine(ModuleFolder, "NebulaVideo.Isolation.dll"));
            isolation.GetType("NebulaVideo.Isolation.DependencyLoadContext", throwOnError: true)!
                .GetMethod("Register")!
                .Invoke(null, new object[] { DependencyFolder, "NebulaVideo.Core" });
            NameCoreTypes(add: true);
        }

        // PowerShell 7 resolves a type literal ([NebulaVideo.Core.VideoTask]) only among assemblies of its own load
        // contexts, so the types NebulaVideo.Core hands out are registered by their full names as type accelerators
        // (the documented TypeAccelerators table): scripts keep writing -is [NebulaVideo.Core.VideoTask] and casts.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void NameCoreTypes(bool add)
        {
            var accelerators = typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");
            var method = accelerators?.GetMethod(add ? "Add" : "Remove", BindingFlags.Public | BindingFlags.Static);
            if (method is null) return;
            foreach (var type in typeof(Core.VideoTask).Assembly.GetExportedTypes())
            {
                if (type.FullName is null || type.IsNested) continue;
                method.Invoke(null, add ? new object[] { type.FullName, type } : new object[] { type.FullName });
            }
        }

        // Windows PowerShell 5.1 may still default to TLS 1.0/1.1, which gateways refuse. Adding 1.2 to the
        // process's allowed protocols takes nothing away from anyone else.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void AllowTls12() => ServicePointManager.SecurityProtocol |= SecurityProtocolType.Tls12;

        private static Assembly? ResolveFromDependencies(object? sender, ResolveEventArgs args)
        {
            var name = new AssemblyName(args.Name).Name;
            var path = Path.Combine(DependencyFolder, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }
    }
}
