using Vic.ImageC.Registry;

namespace Vic.ImageC.Layers;

internal static class LayerMediaType
{
    /// <summary>The OCI media type of a layer blob stored with this compression.</summary>
    public static string For(LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => MediaTypes.OciLayerGzip,
        LayerCompression.Zstd => MediaTypes.OciLayerZstd,
        _ => MediaTypes.OciLayerTar,
    };
}
