using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The Azure SDK is loaded only when an image store is made: an import lists every public type of NebulaVideo.Core
    /// (PowerShell 7 names them as type accelerators), and a plain run touches the gateway's types, none of which may
    /// pull in Azure.*. Checked in a load context of its own, so what the rest of the tests loaded does not count.
    /// </summary>
    public sealed class StorageLoadingTests
    {
        [Fact]
        public void Listing_and_loading_every_public_type_of_core_loads_no_azure_assembly_and_making_a_store_does()
        {
            var context = new FolderContext(AppContext.BaseDirectory);
            try
            {
                var core = context.LoadFromAssemblyPath(Path.Combine(AppContext.BaseDirectory, "NebulaVideo.Core.dll"));
                const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
                foreach (var type in core.GetExportedTypes())
                {
                    // Stricter than a load needs: every type in the public types' signatures and fields, private ones too,
                    // and their static constructors run.
                    _ = type.BaseType;
                    _ = type.GetInterfaces();
                    foreach (var field in type.GetFields(all)) _ = field.FieldType;
                    foreach (var property in type.GetProperties(all)) _ = property.PropertyType;
                    foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
                    {
                        _ = method.GetParameters().Select(p => p.ParameterType).ToList();
                        if (method is MethodInfo m) _ = m.ReturnType;
                    }
                    if (!type.ContainsGenericParameters) RuntimeHelpers.RunClassConstructor(type.TypeHandle);
                }
                var store = core.GetType("NebulaVideo.Core.Storage.AzureBlobImageStore", throwOnError: true)!;
                Assert.Contains(store, core.GetExportedTypes());
                // The table journal too: its SDK stays behind internal types until a journal is made.
                Assert.Contains(core.GetType("NebulaVideo.Core.Tasks.TableJournal", throwOnError: true)!, core.GetExportedTypes());
                Assert.Empty(Azure(context));

                var options = core.GetType("NebulaVideo.Core.Http.ClientOptions", throwOnError: true)!.GetProperty("Default")!.GetValue(null);
                var made = store.GetMethod("FromConnectionString")!.Invoke(null, new[]
                {
                    $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;",
                    "loading", TimeSpan.FromHours(1), options, null,
                });
                Assert.NotNull(made);
                Assert.Contains("Azure.Storage.Blobs", Azure(context));
            }
            finally
            {
                context.Unload();
            }
        }

        private static string[] Azure(AssemblyLoadContext context) =>
            context.Assemblies.Select(a => a.GetName().Name!).Where(n => n.StartsWith("Azure.", StringComparison.Ordinal)).ToArray();

        /// <summary>Loads from the test's folder what the runtime does not provide, as the module's own context does.</summary>
        private sealed class FolderContext : AssemblyLoadContext
        {
            private readonly string _folder;

            public FolderContext(string folder) : base("StorageLoadingTests", isCollectible: true) => _folder = folder;

            protected override Assembly? Load(AssemblyName name)
            {
                var path = Path.Combine(_folder, name.Name + ".dll");
                return File.Exists(path) && !IsFramework(name.Name!) ? LoadFromAssemblyPath(path) : null;
            }

            // The runtime's own assemblies (trusted, outside the test's folder) stay the runtime's.
            private static bool IsFramework(string name) =>
                ((AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string) ?? string.Empty).Split(Path.PathSeparator)
                    .Any(p => Path.GetFileNameWithoutExtension(p) == name && !p.StartsWith(AppContext.BaseDirectory, StringComparison.Ordinal));
        }
    }
}
