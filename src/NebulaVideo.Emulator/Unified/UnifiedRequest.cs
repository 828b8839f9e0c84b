using System;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NebulaVideo.Emulator.Unified;

/// <summary>The field of a create request the gateway refuses, and why (the 400 answer's param and message).</summary>
internal sealed record FieldProblem(string Param, string Message);

/// <summary>
/// A create request the unified gateway accepts, checked field by field against the model's document. Fields
/// the documents do not name are ignored, not refused: clients may pass extra body fields through.
/// </summary>
internal sealed record UnifiedRequest(string Prompt, int Duration, string Quality, Uri ImageUrl)
{
    public const int MaxCallbackUrlLength = 2048;

    public static (UnifiedRequest? Request, FieldProblem? Problem) Parse(JsonObject body, UnifiedModel model)
    {
        static (UnifiedRequest?, FieldProblem?) Refuse(string param, string message) => (null, new FieldProblem(param, message));

        var prompt = WireJson.Text(body, "prompt");
        if (string.IsNullOrWhiteSpace(prompt)) return Refuse("prompt", "prompt is required");
        // JSON Schema's maxLength counts characters (code points), not UTF-16 units.
        if (prompt.EnumerateRunes().Count() > model.MaxPromptLength)
            return Refuse("prompt", $"prompt must be at most {model.MaxPromptLength} characters for {model.Name}");

        var duration = body["duration"] is null ? UnifiedModel.DefaultDuration : Integer(body["duration"]);
        if (duration is null || !model.Durations.Contains(duration.Value))
            return Refuse("duration", $"duration must be one of {string.Join(", ", model.Durations)} for {model.Name}");

        var quality = body["quality"] is null ? UnifiedModel.DefaultQuality : WireJson.Text(body, "quality");
        if (quality is null || !model.Qualities.Contains(quality))
            return Refuse("quality", $"quality must be one of {string.Join(", ", model.Qualities)} for {model.Name}");

        if (body["image_urls"] is not JsonArray images || images.Count != 1)
            return Refuse("image_urls", "image_urls must list exactly one image URL");
        if (!(images[0] is JsonValue image && image.TryGetValue<string>(out var imageText) && HttpsUrls.TryParseImage(imageText, out var imageUrl)))
            return Refuse("image_urls", "image_urls must hold an HTTPS URL");

        if (body["prompt_extend"] is not null && body["prompt_extend"]!.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            return Refuse("prompt_extend", "prompt_extend must be true or false");

        if (body["audio_url"] is not null)
        {
            if (!model.TakesAudio) return Refuse("audio_url", $"{model.Name} does not take audio_url");
            if (!HttpsUrls.TryParse(WireJson.Text(body, "audio_url"), out _)) return Refuse("audio_url", "audio_url must be an HTTPS URL");
        }

        if (body["callback_url"] is not null)
        {
            var callback = WireJson.Text(body, "callback_url");
            if (!HttpsUrls.TryParse(callback, out var callbackUrl)) return Refuse("callback_url", "callback_url must be an HTTPS URL");
            if (callback!.Length > MaxCallbackUrlLength)
                return Refuse("callback_url", $"callback_url must be at most {MaxCallbackUrlLength} characters");
            if (HttpsUrls.IsInternal(callbackUrl)) return Refuse("callback_url", "callback_url must not point to an internal address");
        }

        return (new UnifiedRequest(prompt, duration.Value, quality, imageUrl), null);
    }

    // The schema says integer: "5" and 5.0 are refused, unlike the lenient Nebula gateway.
    private static int? Integer(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var number) ? number : null;
}
