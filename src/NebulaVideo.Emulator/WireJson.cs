using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace NebulaVideo.Emulator;

/// <summary>Reading request bodies and writing answers the way both dialects do on the wire.</summary>
internal static class WireJson
{
    // Results.Content rather than Results.Json: the answer goes out byte for byte as built, with no
    // serializer options (naming policy, escaping) able to change a field name the tests compare.
    public static IResult Answer(int status, JsonNode body) =>
        Results.Content(body.ToJsonString(), "application/json", Encoding.UTF8, status);

    /// <summary>The body as a JSON object, or null when it is not one (empty, malformed, an array...).</summary>
    public static async Task<JsonObject?> ReadObjectAsync(HttpRequest request)
    {
        try
        {
            return JsonNode.Parse(await new StreamReader(request.Body).ReadToEndAsync()) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The node as JSON with every object's members in ordinal order, at every depth: two bodies that differ only
    /// in member order or whitespace read the same.
    /// </summary>
    public static string Canonical(JsonNode? node) => Sorted(node)?.ToJsonString() ?? "null";

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject members => new JsonObject(members
            .OrderBy(member => member.Key, System.StringComparer.Ordinal)
            .Select(member => KeyValuePair.Create(member.Key, Sorted(member.Value)))),
        JsonArray items => new JsonArray(items.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };

    public static string? Text(JsonObject body, string name) =>
        body[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
