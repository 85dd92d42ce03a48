using System.CommandLine;
using CotCli.Output;

namespace CotCli.Commands;

/// <summary><c>cot item show BATCH ITEM</c>: one item's audit trail.</summary>
public static class ItemCommands
{
    public static Command Create(Connection connection)
    {
        var batchId = new Argument<string>("BATCH") { Description = "The batch id" };
        var itemId = new Argument<string>("ITEM") { Description = "The item id (the id of the QA pair)" };
        var show = new Command("show", "Show an item's audit trail: the QA pair, every version, every review and decision") { batchId, itemId };
        show.SetApiAction(connection, async (parse, api, ct) =>
        {
            ItemView.Render(Consoles.Out, await api.GetItemAsync(parse.GetValue(batchId)!, parse.GetValue(itemId)!, ct));
            return ExitCodes.Success;
        });
        return new Command("item", "Look at one item of a batch") { show };
    }
}
