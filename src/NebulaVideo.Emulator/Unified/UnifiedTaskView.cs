using System;
using System.Text.Json.Nodes;

namespace NebulaVideo.Emulator.Unified;

/// <summary>
/// A unified task as the gateway describes it, at the emulator's current time: the create answer is this view
/// of a task just accepted, and the task detail is the same shape plus results (or error) once it has ended.
/// </summary>
internal static class UnifiedTaskView
{
    public static JsonObject Of(EmulatedTask task, EmulatorState state)
    {
        var (phase, fraction) = state.PhaseOf(task);
        var status = phase switch
        {
            0 => "pending",
            1 => "processing",
            _ => task.Fails ? "failed" : "completed",
        };
        // 1..99 through processing, so only an ended task ever reads 0 -> 100 in one step from pending.
        var progress = phase switch
        {
            0 => 0,
            1 => 1 + (int)(fraction * 99),
            _ => 100,
        };
        var taskInfo = new JsonObject { ["can_cancel"] = phase == 0 };
        if (phase < 2)
            taskInfo["estimated_time"] = (int)Math.Ceiling((task.FinishedAt(state.Options.PhaseDuration) - state.Now).TotalSeconds);

        var view = new JsonObject
        {
            ["created"] = task.CreatedAt.ToUnixTimeSeconds(),
            ["id"] = task.Id,
            ["model"] = task.Model,
            ["object"] = "video.generation.task",
            ["progress"] = progress,
            ["status"] = status,
            ["task_info"] = taskInfo,
            ["type"] = "video",
            ["usage"] = new JsonObject
            {
                ["billing_rule"] = "per_second",
                ["credits_reserved"] = UnifiedModel.CreditsReserved(task.Seconds, task.Resolution),
                ["user_group"] = "default",
            },
        };
        if (status == "completed")
        {
            // The link stays the same after expiry: the gateway does not know, only the storage host refuses it.
            view["results"] = new JsonArray(state.SignedVideoLink(task));
        }
        else if (status == "failed")
        {
            view["error"] = new JsonObject
            {
                ["code"] = "content_policy_violation",
                ["message"] = "The input image or prompt may contain inappropriate content",
            };
        }
        return view;
    }
}
