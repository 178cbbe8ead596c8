using System.Text;

namespace Vic.ImageC.Digests;

/// <summary>
/// OCI chain IDs: a layer's identity including everything below it, so that the same diff on top of a different
/// parent is a different disk. chainID(L0) = diffID(L0); chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)).
/// </summary>
internal static class ChainIds
{
    public static IReadOnlyList<string> Compute(IReadOnlyList<string> diffIds)
    {
        var chain = new string[diffIds.Count];
        for (int i = 0; i < diffIds.Count; i++)
        {
            chain[i] = i == 0 ? diffIds[0] : Digest.Of(Encoding.ASCII.GetBytes(chain[i - 1] + " " + diffIds[i]));
        }
        return chain;
    }
}
