using Vic.ImageC.Layers;

namespace Vic.ImageC.Progress;

/// <summary>Per-layer progress of a pull, worded as dockerd's (the IDs are short blob digests).</summary>
internal sealed class PullProgress(IProgress<ProgressMessage> sink, TimeProvider time) : ILayerProgress
{
    private readonly ThrottledReporter _out = new(sink, time);

    public void Existing(LayerPlan layer) => _out.Report(layer.ShortId, "Already exists");

    public void Queued(LayerPlan layer) => _out.Report(layer.ShortId, "Pulling fs layer");

    public void Downloading(LayerPlan layer, long current, long total) => _out.Counter(layer.ShortId, "Downloading", current, total);

    public void Downloaded(LayerPlan layer)
    {
        _out.Report(layer.ShortId, "Verifying Checksum");
        _out.Report(layer.ShortId, "Download complete");
    }

    public void Writing(LayerPlan layer, long current, long total) => _out.Counter(layer.ShortId, "Extracting", current, total);

    public void Written(LayerPlan layer) => _out.Report(layer.ShortId, "Pull complete");

    public void Status(string? id, string status) => _out.Report(id, status);
}
