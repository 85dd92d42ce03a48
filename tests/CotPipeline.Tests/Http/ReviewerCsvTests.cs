using System.Text;
using CotPipeline.Http;
using CotPipeline.Options;
using CotPipeline.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CotPipeline.Tests.Http;

public sealed class ReviewerCsvTests
{
    private const string Header = "id,name,email,departments,capacity,adjudicator,active";

    [Fact]
    public void Parse_AllColumnsAnyOrderAndCase_EveryValueRead()
    {
        var csv = "Email, ID ,Name,Departments,Active,Capacity,ADJUDICATOR\r\n" +
            "zhang@example.org,r1,\"张伟, 主任医师\",\"心内科|急诊科; cardiology\",FALSE,12,true\r\n";

        var result = ReviewerCsv.Parse(Encoding.UTF8.GetBytes(csv));

        Assert.Empty(result.HeaderErrors);
        var row = Assert.Single(result.Rows);
        Assert.Equal(2, row.Line);
        Assert.Empty(row.Problems);
        Assert.Equal(new ReviewerDto("r1", "张伟, 主任医师", "zhang@example.org", null, 12, true, false), row.Reviewer! with { Departments = null });
        Assert.Equal(["心内科", "急诊科", "cardiology"], row.Reviewer!.Departments);
    }

    [Fact]
    public void Parse_OptionalColumnsMissingOrEmpty_NullSoTheJsonDefaultsApply()
    {
        var result = ReviewerCsv.Parse(Encoding.UTF8.GetBytes("id,name,email,departments,capacity\nr1,A,a@example.org,*,\n"));

        var reviewer = Assert.Single(result.Rows).Reviewer!;
        Assert.Equal((null, null, null), (reviewer.Capacity, reviewer.Adjudicator, reviewer.Active));
        Assert.Equal(["*"], reviewer.Departments);
    }

    [Theory]
    [InlineData("id,name,email,departments,phone", "line 1: unknown column \"phone\"; the columns are id, name, email, departments, capacity, adjudicator, active")]
    [InlineData("id,name,departments", "line 1: column \"email\" is missing; id, name, email and departments are required")]
    [InlineData("id,name,email,departments,Name", "line 1: column \"name\" appears more than once")]
    [InlineData("id,name,email,departments,", "line 1: column 5 of the header has no name")]
    [InlineData("id,name,\"email,departments", "line 1: field 3 opens a quote on line 1 that is never closed")]
    public void Parse_BadHeader_NamesTheProblemAndReadsNoRows(string header, string expected)
    {
        var result = ReviewerCsv.Parse(Encoding.UTF8.GetBytes(header + "\nr1,A,a@example.org,*\n"));

        Assert.Equal(expected, result.HeaderErrors[0].ToString());
        Assert.Empty(result.Rows);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\r\n \r\n")]
    public void Parse_NothingButBlankLines_HeaderMissing(string csv)
    {
        var result = ReviewerCsv.Parse(Encoding.UTF8.GetBytes(csv));

        Assert.Equal(
            "line 1: the header row is missing; the first line names the columns: id,name,email,departments,capacity,adjudicator,active",
            Assert.Single(result.HeaderErrors).ToString());
    }

    [Fact]
    public void Parse_UnknownAndMissingColumns_AllListed()
    {
        var result = ReviewerCsv.Parse(Encoding.UTF8.GetBytes("id,<b>phone</b>,departments\n"));

        Assert.Equal(
            [
                "line 1: unknown column \"<b>phone</b>\"; the columns are id, name, email, departments, capacity, adjudicator, active",
                "line 1: column \"name\" is missing; id, name, email and departments are required",
                "line 1: column \"email\" is missing; id, name, email and departments are required",
            ],
            result.HeaderErrors.Select(e => e.ToString()));
    }

    [Fact]
    public void Parse_BomAndCrlf_HeaderStillRecognised()
    {
        byte[] csv = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Header + "\r\nr1,李娜,li@example.org,儿科,5,false,true\r\n")];

        var result = ReviewerCsv.Parse(csv);

        Assert.Empty(result.HeaderErrors);
        Assert.Equal("李娜", Assert.Single(result.Rows).Reviewer!.Name);
    }

    [Fact]
    public async Task UpsertAsync_BadRows_EveryProblemByLineAndNothingStored()
    {
        var csv = string.Join("\r\n",
            Header,
            "r1,Good One,r1@example.org,cardiology,10,false,true",
            "r2,Bad Mail,x@,cardiology,,,",
            "r3,\"Two\nLines\",r3@example.org,cardiology,,,",
            "r4,Few Fields,r4@example.org",
            "r5,Bad Numbers,r5@example.org,cardiology,ten,maybe,",
            "r 6,Bad Id,r6@example.org,,0,,",
            "r1,Same Id,again@example.org,*,,,",
            "r8,Bad \"Quote,r8@example.org,*,,,",
            "r9,Nine,r9@example.org,*,,,");

        var problem = await ProblemAsync(Csv(csv), StatusCodes.Status400BadRequest);

        Assert.Equal(
            [
                "line 3: \"email\" \"x@\" is not an e-mail address",
                "line 4: \"name\" contains a line break or another control character",
                "line 6: 3 field(s), but the header names 7 columns",
                "line 7: \"capacity\" is \"ten\"; write a whole number (or leave it empty)",
                "line 7: \"adjudicator\" is \"maybe\"; write true or false (or leave it empty)",
                "line 8: \"id\" \"r 6\" may contain only letters, digits, '_' and '-'",
                "line 8: \"departments\" needs at least one department (at most 64 characters each; no '|', ';' or control characters); \"*\" means any",
                "line 8: \"capacity\" is 0; between 1 and 10,000 open assignments are allowed",
                "line 10: field 2 has a '\"' but does not start with one; quote the whole field and double each '\"' inside it",
                "lines 2, 9: id \"r1\" appears 2 times",
            ],
            Errors(problem));
        Assert.StartsWith("10 problem(s); nothing was stored. First: line 3: ", problem.ProblemDetails.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpsertAsync_UnknownColumn_400NamesItAndNothingStored()
    {
        var problem = await ProblemAsync(Csv("id,name,email,departments,phone\nr1,A,a@example.org,*,123\n"), StatusCodes.Status400BadRequest);

        Assert.Equal(["line 1: unknown column \"phone\"; the columns are id, name, email, departments, capacity, adjudicator, active"], Errors(problem));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ReviewerApi.MaxReviewersPerRequest + 1)]
    public async Task UpsertAsync_NoRowsOrTooMany_400SaysTheLimit(int rows)
    {
        var csv = Header + "\n" + string.Concat(Enumerable.Range(1, rows).Select(i => $"r{i},R {i},r{i}@example.org,*,,,\n"));

        var problem = await ProblemAsync(Csv(csv), StatusCodes.Status400BadRequest);

        Assert.Equal($"Send between 1 and 1000 reviewers; got {rows}.", problem.ProblemDetails.Detail);
    }

    [Fact]
    public async Task UpsertAsync_InvalidUtf8_400NamesTheLine()
    {
        byte[] csv = [.. Encoding.UTF8.GetBytes(Header + "\nr1,A,a@example.org,*,,,\nr2,"), 0xFF, .. "B,b@example.org,*,,,\n"u8];

        var problem = await ProblemAsync(Csv(csv), StatusCodes.Status400BadRequest);

        Assert.Equal(["line 3: the text is not valid UTF-8; save the file as UTF-8 and upload it again"], Errors(problem));
    }

    [Fact]
    public async Task UpsertAsync_OverTheBodyLimit_413()
    {
        var csv = Header + "\n" + string.Concat(Enumerable.Range(1, 1000).Select(i => $"r{i},{new string('n', 300)},r{i}@example.org,*,,,\n"));

        var problem = await ProblemAsync(Csv(csv), StatusCodes.Status413PayloadTooLarge);

        Assert.Equal("The body is larger than 262,144 bytes.", problem.ProblemDetails.Detail);
    }

    [Fact]
    public async Task UpsertAsync_CsvNotUtf8_415()
    {
        var problem = await ProblemAsync(Csv(Header + "\n", "text/csv; charset=iso-8859-1"), StatusCodes.Status415UnsupportedMediaType);

        Assert.Equal("The CSV is declared as charset \"iso-8859-1\"; send it as UTF-8.", problem.ProblemDetails.Detail);
    }

    [Fact]
    public async Task UpsertAsync_HostileValues_ReportedAsTextNotInterpreted()
    {
        var csv = Header + "\n\"<script>alert(1)</script>\",\"=HYPERLINK(\"\"http://x\"\")\",\"a@b.c\r\nBcc: all@x\",\"a|b\",,,\n";

        var problem = await ProblemAsync(Csv(csv), StatusCodes.Status400BadRequest);

        Assert.Equal(
            [
                "line 2: \"id\" \"<script>alert(1)</script>\" may contain only letters, digits, '_' and '-'",
                "line 2: \"email\" \"a@b.c\r\nBcc: all@x\" is not an e-mail address",
            ],
            Errors(problem));
    }

    private static ReviewerApi Api()
    {
        // Points at a closed port: a test that reached storage would fail, so a refusal is known to store nothing.
        var store = StorageServiceCollectionExtensions.Create(new StorageOptions
        {
            ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=AAAA;" +
                "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
        });
        return new ReviewerApi(store, Microsoft.Extensions.Options.Options.Create(new ApiOptions()), TimeProvider.System);
    }

    private static HttpRequest Csv(string text, string contentType = "text/csv") => Csv(Encoding.UTF8.GetBytes(text), contentType);

    private static HttpRequest Csv(byte[] body, string contentType = "text/csv")
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = contentType;
        context.Request.Body = new MemoryStream(body);
        return context.Request;
    }

    private static async Task<ProblemHttpResult> ProblemAsync(HttpRequest request, int status)
    {
        var result = Assert.IsType<ProblemHttpResult>(await Api().UpsertAsync(request, CancellationToken.None));
        Assert.Equal(status, result.StatusCode);
        return result;
    }

    private static IEnumerable<string> Errors(ProblemHttpResult problem) =>
        Assert.IsType<List<string>>(problem.ProblemDetails.Extensions["errors"]);
}
