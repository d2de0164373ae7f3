namespace Twinforge.Service.Watermarking;

/// <summary>The service's watermarking: its keys, loaded at start.</summary>
public static class WatermarkEndpoints
{
    public static void AddServices(IServiceCollection services)
    {
        services.AddSingleton<WatermarkKeys>();
        services.AddHostedService<WatermarkKeyStartup>();
    }
}
