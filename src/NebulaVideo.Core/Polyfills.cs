// netstandard2.0 lacks the types the C# compiler needs for init-only setters and records.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
