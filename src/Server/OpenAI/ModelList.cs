namespace HiPO.Server.OpenAI;

public sealed record ModelList(IReadOnlyList<ModelCard> Data)
{
    public string Object => "list";
}

public sealed record ModelCard(string Id, long Created, string OwnedBy)
{
    public string Object => "model";
}
