using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Twinforge.Service.Auth;
using Twinforge.Service.Errors;
using Twinforge.Service.Hosting;

namespace Twinforge.Service.Operations;

/// <summary>
/// One fixed window of <see cref="RateLimitOptions.PermitLimit"/> requests per key (ASP.NET Core's rate limiter,
/// partitioned by the authenticated key's id; requests without a valid key share one partition per client address).
/// Over it: 429 in the API's error shape with Retry-After. Health endpoints are exempt.
/// </summary>
public static class KeyRateLimits
{
    public static void Configure(RateLimiterOptions limiter, RateLimitOptions limits)
    {
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var partition = context.User.FindFirst(ApiKeyClaims.KeyId)?.Value is { } key
                ? "key:" + key
                : "anonymous:" + context.Connection.RemoteIpAddress;
            return RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limits.PermitLimit,
                Window = TimeSpan.FromSeconds(limits.WindowSeconds),
                QueueLimit = 0,
            });
        });
        limiter.OnRejected = async (rejected, _) =>
        {
            if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                rejected.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await ApiErrors.Write(rejected.HttpContext, StatusCodes.Status429TooManyRequests, new ApiError(
                $"Rate limit reached: {limits.PermitLimit} requests per {limits.WindowSeconds} s for this key. Try again later.",
                ApiErrorTypes.RateLimit, null, "rate_limit_exceeded"));
        };
    }
}
