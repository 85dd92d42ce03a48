using System.Drawing;
using CotPipeline.IntegrationTests.Infrastructure;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace CotPipeline.IntegrationTests.Browser;

/// <summary>
/// Headless Debian Chromium driven by Debian's chromedriver (the same build, so their versions always match), for a test
/// class. Never downloads a browser or driver, and fails, never skips, when they or the CJK font are not installed.
/// </summary>
public sealed class ChromeFixture : IDisposable
{
    public const string AptPackages = "chromium chromium-driver fonts-wqy-microhei";
    private const string BrowserPath = "/usr/bin/chromium";
    private const string DriverPath = "/usr/bin/chromedriver";
    // Without a CJK font Chinese renders as boxes, and a screenshot would not show it.
    private const string CjkFontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
    private static readonly Size Window = new(1000, 1400);

    private readonly ChromeDriverService _service;

    public ChromeFixture()
    {
        var missing = new[] { BrowserPath, DriverPath, CjkFontPath }.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The review-page browser tests need headless Chromium, its driver and a CJK font; missing: {string.Join(", ", missing)}. "
                + $"Install them with `apt-get install {AptPackages}` (bash .ci/run does).");
        }

        // Selenium Manager runs only when no driver is given; even then it must never go to the network.
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true");
        _service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        _service.SuppressInitialDiagnosticInformation = true;
        _service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", $"--window-size={Window.Width},{Window.Height}", "--lang=en-US");
        try
        {
            Driver = new ChromeDriver(_service, options, TimeSpan.FromSeconds(60));
        }
        catch
        {
            _service.Dispose();
            throw;
        }

        Driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(60);
    }

    public ChromeDriver Driver { get; }

    /// <summary>Opens <paramref name="url"/> in the current tab and returns the page's <c>h1</c> text.</summary>
    public string Open(string url)
    {
        Driver.Navigate().GoToUrl(url);
        return Heading();
    }

    public string Heading() => Driver.FindElement(By.TagName("h1")).Text;

    /// <summary>Clicks <paramref name="element"/>, which leaves the page, and waits for the next page: returns its <c>h1</c> text.</summary>
    public string ClickAndWaitForNextPage(IWebElement element)
    {
        var page = Driver.FindElement(By.TagName("html"));
        element.Click();
        new WebDriverWait(Driver, TimeSpan.FromSeconds(60)) { Message = "the next page did not load within 60 s" }
            .Until(_ => IsStale(page) && Equals(Driver.ExecuteScript("return document.readyState"), "complete"));
        return Heading();
    }

    /// <summary>
    /// Saves the whole page (the window made as tall as the document for the shot) as
    /// <c>artifacts/screenshots/{name}</c> under the repository root, and returns the path.
    /// </summary>
    public string SaveScreenshot(string name)
    {
        var directory = Path.Combine(RepoPaths.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        var height = Convert.ToInt32(Driver.ExecuteScript("return document.documentElement.scrollHeight"), System.Globalization.CultureInfo.InvariantCulture);
        var window = Driver.Manage().Window;
        window.Size = new Size(Window.Width, Math.Max(Window.Height, height + 150));
        try
        {
            Driver.GetScreenshot().SaveAsFile(path);
        }
        finally
        {
            window.Size = Window;
        }

        return path;
    }

    public void Dispose()
    {
        Driver.Quit();
        _service.Dispose();
    }

    private static bool IsStale(IWebElement element)
    {
        try
        {
            _ = element.Enabled;
            return false;
        }
        catch (StaleElementReferenceException)
        {
            return true;
        }
        catch (UnknownErrorException e) when (e.Message.Contains("does not belong to the document", StringComparison.Ordinal))
        {
            // Chromium's answer for an element whose document was replaced while the driver looked at it: gone all the same.
            return true;
        }
    }
}
