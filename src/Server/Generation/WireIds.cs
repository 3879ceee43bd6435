using System.Security.Cryptography;

namespace HiPO.Server.Generation;

/// <summary>Ids in OpenAI's form: a prefix and lower-case hex of random bytes (12 for chat, completion and tool-call ids).</summary>
internal static class WireIds
{
    public static string New(string prefix, int randomBytes = 12) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(randomBytes));
}
