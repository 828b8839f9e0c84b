using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// Windows PowerShell 5.1 cannot run here, so what it would load is checked on paper: starting from
    /// NebulaVideo.dll, every assembly reference of the built module must be met by .NET Framework 4.7.2 (its
    /// reference assemblies, from NuGet) or by Windows PowerShell itself, at that version or later, or else by a
    /// copy in Dependencies/ that is at least as new (the module's resolver hands those out on 5.1).
    /// </summary>
    public sealed class DesktopReadinessTests
    {
        // Windows PowerShell 5.1's engine assembly keeps the version 3.0.0.0 that PowerShellStandard.Library references.
        private static readonly Dictionary<string, Version> WindowsPowerShell = new(StringComparer.OrdinalIgnoreCase)
        {
            ["System.Management.Automation"] = new Version(3, 0, 0, 0),
        };

        private static string ModuleFolder => Path.Combine(EngineFixture.FindRepoRoot(), "out", "NebulaVideo");

        [Fact]
        public void Every_assembly_the_module_loads_on_Windows_PowerShell_is_in_the_framework_or_shipped()
        {
            var framework = Versions(Directory.GetFiles(Net472Folder(), "*.dll").Concat(Directory.GetFiles(Path.Combine(Net472Folder(), "Facades"), "*.dll")));
            var shipped = Versions(Directory.GetFiles(Path.Combine(ModuleFolder, "Dependencies"), "*.dll"));
            var problems = new List<string>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var pending = new Queue<string>(new[] { Path.Combine(ModuleFolder, "NebulaVideo.dll") });

            while (pending.Count > 0)
            {
                var path = pending.Dequeue();
                foreach (var (name, version) in References(path))
                {
                    var from = Path.GetFileName(path);
                    if (shipped.TryGetValue(name, out var ours))
                    {
                        if (ours < version) problems.Add($"{from} needs {name} {version}; Dependencies/ has {ours}.");
                        if (seen.Add(name)) pending.Enqueue(Path.Combine(ModuleFolder, "Dependencies", name + ".dll"));
                    }
                    else if (framework.TryGetValue(name, out var provided) || WindowsPowerShell.TryGetValue(name, out provided))
                    {
                        if (provided < version) problems.Add($"{from} needs {name} {version}; .NET Framework 4.7.2 has {provided} and Dependencies/ has none.");
                    }
                    else problems.Add($"{from} needs {name} {version}, which neither .NET Framework 4.7.2 nor Dependencies/ provides.");
                }
            }

            Assert.Empty(problems);
            // The walk really went through the dependencies, not just the module's own assembly.
            Assert.Contains("NebulaVideo.Core", seen);
            Assert.Contains("System.Text.Json", seen);
            Assert.Contains("Polly.Core", seen);
            // The image store's Azure SDK, loaded only when a store is made, but loaded on 5.1 all the same then.
            Assert.Contains("Azure.Storage.Blobs", seen);
            Assert.Contains("Azure.Core", seen);
            // The table journal's SDK, on the same Azure.Core.
            Assert.Contains("Azure.Data.Tables", seen);
        }

        [Fact]
        public void The_module_assembly_loads_its_PowerShell_7_helper_only_by_path()
        {
            // NebulaVideo.Isolation is net8.0: a compile-time reference to it would break the import on 5.1.
            var references = References(Path.Combine(ModuleFolder, "NebulaVideo.dll")).Select(r => r.Name).ToList();
            Assert.DoesNotContain("NebulaVideo.Isolation", references);
            Assert.Contains("NebulaVideo.Core", references);
        }

        [Fact]
        public void PowerShell_can_list_the_module_assemblys_types_before_its_resolver_is_registered()
        {
            // Import-Module lists every type of NebulaVideo.dll to find its cmdlets and its initializer, which is what
            // registers the resolver for Dependencies/. Loading a type loads its base type and interfaces, so none may
            // come from Dependencies/, whichever PowerShell does first.
            var shipped = Versions(Directory.GetFiles(Path.Combine(ModuleFolder, "Dependencies"), "*.dll")).Keys;
            using var pe = new PEReader(File.OpenRead(Path.Combine(ModuleFolder, "NebulaVideo.dll")));
            var reader = pe.GetMetadataReader();
            var names = new AssemblyNames(reader);
            var offenders = new List<string>();
            foreach (var handle in reader.TypeDefinitions)
            {
                var type = reader.GetTypeDefinition(handle);
                var supertypes = type.GetInterfaceImplementations().Select(i => reader.GetInterfaceImplementation(i).Interface).Append(type.BaseType);
                foreach (var assembly in supertypes.Where(t => !t.IsNil).SelectMany(names.Of).Intersect(shipped, StringComparer.OrdinalIgnoreCase))
                    offenders.Add($"{reader.GetString(type.Namespace)}.{reader.GetString(type.Name)} builds on a type from {assembly}");
            }
            Assert.Empty(offenders);
            Assert.True(reader.TypeDefinitions.Count > 12, "The check should have seen every cmdlet class.");
        }

        /// <summary>The assemblies a base type or interface comes from, generic arguments included.</summary>
        private sealed class AssemblyNames : ISignatureTypeProvider<IEnumerable<string>, object?>
        {
            private readonly MetadataReader _reader;

            public AssemblyNames(MetadataReader reader) => _reader = reader;

            public IEnumerable<string> Of(EntityHandle handle) => handle.Kind switch
            {
                HandleKind.TypeReference => GetTypeFromReference(_reader, (TypeReferenceHandle)handle, 0),
                HandleKind.TypeSpecification => _reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
                _ => Enumerable.Empty<string>(), // defined in NebulaVideo.dll itself
            };

            public IEnumerable<string> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
            {
                var scope = reader.GetTypeReference(handle).ResolutionScope;
                return scope.Kind switch
                {
                    HandleKind.AssemblyReference => new[] { reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) },
                    HandleKind.TypeReference => GetTypeFromReference(reader, (TypeReferenceHandle)scope, rawTypeKind), // a nested type
                    _ => Enumerable.Empty<string>(),
                };
            }

            public IEnumerable<string> GetGenericInstantiation(IEnumerable<string> genericType, System.Collections.Immutable.ImmutableArray<IEnumerable<string>> typeArguments) =>
                genericType.Concat(typeArguments.SelectMany(a => a));
            public IEnumerable<string> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Enumerable.Empty<string>();
            public IEnumerable<string> GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) => Of(handle);
            public IEnumerable<string> GetPrimitiveType(PrimitiveTypeCode typeCode) => Enumerable.Empty<string>();
            public IEnumerable<string> GetSZArrayType(IEnumerable<string> elementType) => elementType;
            public IEnumerable<string> GetArrayType(IEnumerable<string> elementType, ArrayShape shape) => elementType;
            public IEnumerable<string> GetByReferenceType(IEnumerable<string> elementType) => elementType;
            public IEnumerable<string> GetPointerType(IEnumerable<string> elementType) => elementType;
            public IEnumerable<string> GetPinnedType(IEnumerable<string> elementType) => elementType;
            public IEnumerable<string> GetModifiedType(IEnumerable<string> modifier, IEnumerable<string> unmodifiedType, bool isRequired) => unmodifiedType;
            public IEnumerable<string> GetFunctionPointerType(MethodSignature<IEnumerable<string>> signature) => Enumerable.Empty<string>();
            public IEnumerable<string> GetGenericMethodParameter(object? context, int index) => Enumerable.Empty<string>();
            public IEnumerable<string> GetGenericTypeParameter(object? context, int index) => Enumerable.Empty<string>();
        }

        private static string Net472Folder()
        {
            var folder = typeof(DesktopReadinessTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "Net472ReferenceAssemblies").Value!;
            Assert.True(Directory.Exists(folder), $"No .NET Framework 4.7.2 reference assemblies at {folder}: run dotnet restore.");
            return folder;
        }

        private static Dictionary<string, Version> Versions(IEnumerable<string> files)
        {
            var versions = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);
            foreach (var file in files)
            {
                using var pe = new PEReader(File.OpenRead(file));
                if (!pe.HasMetadata) continue;
                var reader = pe.GetMetadataReader();
                if (!reader.IsAssembly) continue;
                var definition = reader.GetAssemblyDefinition();
                versions[reader.GetString(definition.Name)] = definition.Version;
            }
            return versions;
        }

        private static List<(string Name, Version Version)> References(string file)
        {
            using var pe = new PEReader(File.OpenRead(file));
            var reader = pe.GetMetadataReader();
            return reader.AssemblyReferences.Select(handle => reader.GetAssemblyReference(handle))
                .Select(reference => (reader.GetString(reference.Name), reference.Version)).ToList();
        }
    }
}
