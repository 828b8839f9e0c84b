using System;
using System.Globalization;
using System.Linq;

namespace NebulaVideo.Bench;

/// <summary>The run's knobs: the batch's N, C, T and poll interval, and the sizes of the other scenarios.</summary>
internal sealed class BenchSettings
{
    public const string Usage =
        "usage: dotnet run -c Release --project bench/NebulaVideo.Bench [-- [--quick] [--n N] [--c C] [--t SECONDS] [--poll SECONDS]\n" +
        "       [--big-n TASKS] [--big-throttle C] [--video-mb MB] [--import-runs K] [--runbook-n TASKS] [--no-decoder] [--no-naive]\n" +
        "       [--micro] [--only batch,untold,naive,download,import,big,runbook]]\n" +
        "  defaults: --n 200 --c 8 --t 1 --poll 0.1 --big-n 1000 --big-throttle 50 --video-mb 200 --import-runs 7 --runbook-n 2000\n" +
        "  --quick:  --n 40 --big-n 200 --import-runs 3 --runbook-n 300 (and a smaller decoder run), to try it in about two minutes\n" +
        "  runbook:  Azurite from node_modules (npm ci), or the account in NEBULAVIDEO_TEST_STORAGE\n" +
        "  --micro:  also the decoder under BenchmarkDotNet (a short in-process job, about a minute more)\n" +
        "  --only:   just the named scenarios (comma-separated), to look again at one figure";

    /// <summary>The scenarios a run may be narrowed to with --only, in the order they run.</summary>
    public static readonly string[] ScenarioNames = { "batch", "untold", "naive", "download", "import", "big", "runbook" };

    public int N { get; private set; } = 200;
    public int C { get; private set; } = 8;
    public double T { get; private set; } = 1.0;
    public double Poll { get; private set; } = 0.1;
    public int BigN { get; private set; } = 1000;
    public int BigThrottle { get; private set; } = 50;
    public int VideoMb { get; private set; } = 200;
    public int ImportRuns { get; private set; } = 7;
    public int RunbookN { get; private set; } = 2000;
    public bool Quick { get; private set; }
    public bool Decoder { get; private set; } = true;
    public bool Naive { get; private set; } = true;
    public bool Micro { get; private set; }
    public bool Help { get; private set; }
    public string[] Only { get; private set; } = ScenarioNames;

    public bool Runs(string scenario) => Array.IndexOf(Only, scenario) >= 0;

    public static BenchSettings Parse(string[] args)
    {
        var s = new BenchSettings();
        // --quick first, so explicit numbers win over it wherever they stand.
        if (Array.IndexOf(args, "--quick") >= 0)
        {
            s.Quick = true;
            s.N = 40;
            s.BigN = 200;
            s.ImportRuns = 3;
            s.RunbookN = 300;
        }
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int(int min) => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min ? v : throw new ArgumentException($"{args[i - 1]} needs a whole number of at least {min}.");
            double Seconds() => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new ArgumentException($"{args[i - 1]} needs a positive number of seconds.");
            switch (args[i])
            {
                case "--quick": break;
                case "--n": s.N = Int(1); break;
                case "--c": s.C = Int(1); break;
                case "--t": s.T = Seconds(); break;
                case "--poll": s.Poll = Seconds(); break;
                case "--big-n": s.BigN = Int(1); break;
                case "--big-throttle": s.BigThrottle = Int(1); break;
                case "--video-mb": s.VideoMb = Int(1); break;
                case "--import-runs": s.ImportRuns = Int(1); break;
                case "--runbook-n": s.RunbookN = Int(1); break;
                case "--no-decoder": s.Decoder = false; break;
                case "--no-naive": s.Naive = false; break;
                case "--micro": s.Micro = true; break;
                case "--only":
                    s.Only = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (s.Only.FirstOrDefault(name => Array.IndexOf(ScenarioNames, name) < 0) is { } unknown)
                        throw new ArgumentException($"--only: no scenario '{unknown}'; there are {string.Join(", ", ScenarioNames)}.");
                    break;
                case "-h" or "--help": s.Help = true; break;
                default: throw new ArgumentException($"Unknown argument {args[i]}.");
            }
        }
        return s;
    }

    public override string ToString() =>
        $"{(Quick ? "quick, " : "")}N={N} C={C} T={T:0.###}s poll={Poll:0.###}s; big batch {BigN} tasks at -ThrottleLimit {BigThrottle}; video {VideoMb} MB; import x{ImportRuns}; runbook {RunbookN} tasks{(Only.Length < ScenarioNames.Length ? "; only " + string.Join(",", Only) : "")}";
}
