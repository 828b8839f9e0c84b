using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace NebulaVideo.Emulator;

/// <summary>
/// The faults that are about the connection rather than the status: answers that are dropped, cut short, slow or
/// never sent. Each is an <see cref="IResult"/>, so an endpoint returns one exactly where it would return its answer.
/// </summary>
internal static class FaultResults
{
    private const int SlowPieces = 10;
    private static readonly TimeSpan SlowPause = TimeSpan.FromMilliseconds(150); // 10 x 150 ms: about 1.5 s in all

    /// <summary>Aborts the connection before any byte of an answer: the client sees a network error.</summary>
    public static IResult Drop() => new Fault(context =>
    {
        context.Abort();
        return Task.CompletedTask;
    });

    /// <summary>The status and the full Content-Length, then about half the body, then the connection closed.</summary>
    public static IResult Truncated(IResult answer) => new Fault(async context =>
    {
        var body = await RenderAsync(answer, context);
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
        await context.Response.Body.FlushAsync();
        // No HttpContext.Abort() here: Kestrel's abort discards output still queued for the socket, so the client
        // would often see a reset before the headers (a dropped connection, not a cut body). Ending with fewer
        // bytes than the Content-Length makes Kestrel send what was written and then close the connection, which
        // is exactly a body cut short, every time.
    });

    /// <summary>The complete answer, in small flushed pieces with pauses between them.</summary>
    public static IResult Slow(IResult answer) => new Fault(async context =>
    {
        var body = await RenderAsync(answer, context);
        context.Response.ContentLength = body.Length;
        var piece = Math.Max(1, (body.Length + SlowPieces - 1) / SlowPieces);
        try
        {
            for (var offset = 0; offset < body.Length; offset += piece)
            {
                await Task.Delay(SlowPause, context.RequestAborted);
                await context.Response.Body.WriteAsync(body.AsMemory(offset, Math.Min(piece, body.Length - offset)), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The client gave up on the slow answer: nothing is left to send it.
        }
    });

    /// <summary>
    /// Accepts the request and answers nothing until the client gives up. The emulator's own shutdown ends it too,
    /// so a hung request never holds Ctrl+C or a test's dispose for the host's shutdown timeout.
    /// </summary>
    public static IResult Hang() => new Fault(async context =>
    {
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token);
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
    });

    // The real answer's bytes, with its status and headers set on the response but nothing sent yet: the fault
    // decides how the body goes out. Setting Response.Body back restores the original body feature as a whole.
    private static async Task<byte[]> RenderAsync(IResult answer, HttpContext context)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await answer.ExecuteAsync(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        return buffer.ToArray();
    }

    private sealed class Fault : IResult
    {
        private readonly Func<HttpContext, Task> _execute;

        public Fault(Func<HttpContext, Task> execute) => _execute = execute;

        public Task ExecuteAsync(HttpContext httpContext) => _execute(httpContext);
    }
}
