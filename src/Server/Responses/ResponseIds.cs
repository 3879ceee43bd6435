using HiPO.Server.Generation;

namespace HiPO.Server.Responses;

/// <summary>Ids in OpenAI's forms: <c>resp_</c> for responses, <c>rs_</c>, <c>msg_</c> and <c>fc_</c> for output items.</summary>
public static class ResponseIds
{
    public const string ResponsePrefix = "resp_";
    public const string ReasoningPrefix = "rs_";
    public const string MessagePrefix = "msg_";
    public const string FunctionCallPrefix = "fc_";

    public static string New(string prefix) => WireIds.New(prefix, 24);
}
