using Vic.ImageC.Layers;

namespace Vic.ImageC.Progress;

/// <summary>Per-layer progress of a load, worded as dockerd's ("Loading layer", IDs are short chain IDs).</summary>
internal sealed class LoadProgress(IProgress<ProgressMessage> sink, TimeProvider time) : ILayerProgress
{
    private readonly ThrottledReporter _out = new(sink, time);

    public void Existing(LayerPlan layer)
    {
    }

    public void Queued(LayerPlan layer)
    {
    }

    public void Writing(LayerPlan layer, long current, long total) => _out.Counter(layer.ShortId, "Loading layer", current, total);

    public void Written(LayerPlan layer)
    {
    }
}
