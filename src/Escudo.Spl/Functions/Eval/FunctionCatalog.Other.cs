using System.Net;
using System.Security.Cryptography;
using System.Text;
using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Eval;

internal static partial class FunctionCatalog
{
    private static void RegisterOther()
    {
        Scalar("md5", 1, 1, (a, _) => Hash(a[0], MD5.HashData));
        Scalar("sha1", 1, 1, (a, _) => Hash(a[0], SHA1.HashData));
        Scalar("sha256", 1, 1, (a, _) => Hash(a[0], SHA256.HashData));
        Scalar("sha512", 1, 1, (a, _) => Hash(a[0], SHA512.HashData));
        Scalar("ipmask", 2, 2, (a, _) =>
        {
            if (!IPAddress.TryParse(Str(a[0]), out var mask) || !IPAddress.TryParse(Str(a[1]), out var ip))
            {
                return Value.Null;
            }

            var m = mask.GetAddressBytes();
            var b = ip.GetAddressBytes();
            if (m.Length != b.Length)
            {
                return Value.Null;
            }

            for (var i = 0; i < b.Length; i++)
            {
                b[i] &= m[i];
            }

            return Value.FromString(new IPAddress(b).ToString());
        });
    }

    private static Value Hash(Value v, Func<byte[], byte[]> hash) =>
        v.IsNull ? Value.Null : Value.FromString(Convert.ToHexStringLower(hash(Encoding.UTF8.GetBytes(v.ToDisplayString()))));
}
