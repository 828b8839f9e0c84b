using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace NebulaVideo.Isolation
{
    /// <summary>
    /// Loads the module's dependencies from its Dependencies folder into a load context of their own, so that
    /// another module's Polly (or any library the runtime does not ship) can never be the one NebulaVideo gets,
    /// nor ours theirs. What the runtime itself provides (System.Text.Json, System.Memory...) comes from the
    /// runtime: a second copy of a framework assembly would split its types in two.
    /// </summary>
    public sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private static readonly object Gate = new object();
        private static DependencyLoadContext? _instance;

        private readonly string _folder;
        private readonly HashSet<string> _framework;

        private DependencyLoadContext(string folder) : base("NebulaVideo", isCollectible: false)
        {
            _folder = folder;
            var trusted = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
            _framework = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var path in trusted) _framework.Add(Path.GetFileNameWithoutExtension(path));
        }

        /// <summary>
        /// Sends the default context's requests for <paramref name="entryAssembly"/> (NebulaVideo.Core, which the
        /// cmdlets reference) here; called once by the module on import, again harmlessly on a re-import.
        /// </summary>
        public static void Register(string folder, string entryAssembly)
        {
            lock (Gate)
            {
                if (_instance is not null) return;
                _instance = new DependencyLoadContext(folder);
                Default.Resolving += (_, name) =>
                    string.Equals(name.Name, entryAssembly, StringComparison.OrdinalIgnoreCase) ? _instance.LoadFromAssemblyName(name) : null;
            }
        }

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name is null || _framework.Contains(name.Name)) return null;
            var path = Path.Combine(_folder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
