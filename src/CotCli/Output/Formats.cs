using System.Globalization;

namespace CotCli.Output;

/// <summary>Numbers, sizes, times and durations the way every command prints them (invariant culture, UTC).</summary>
public static class Formats
{
    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Percent(double value) => value.ToString("0.0", CultureInfo.InvariantCulture) + "%";

    public static string Time(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>"45s", "4m 10s", "2h 05m", "3d 04h": two units at most, enough to plan by.</summary>
    public static string Duration(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            value = TimeSpan.Zero;
        }

        return value.TotalMinutes < 1 ? $"{(int)value.TotalSeconds}s"
            : value.TotalHours < 1 ? $"{value.Minutes}m {value.Seconds:00}s"
            : value.TotalDays < 1 ? $"{(int)value.TotalHours}h {value.Minutes:00}m"
            : $"{(int)value.TotalDays}d {value.Hours:00}h";
    }

    /// <summary>"512 B", "12.3 KB", "4.0 MB" (powers of 1024).</summary>
    public static string Size(long bytes)
    {
        string[] units = ["KB", "MB", "GB", "TB"];
        if (bytes < 1024)
        {
            return $"{bytes} B";
        }

        var value = (double)bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
