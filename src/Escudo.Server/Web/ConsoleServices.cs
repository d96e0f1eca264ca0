using Escudo.Detections.Content;
using Escudo.Server.Http;
using Escudo.Server.Scheduling;
using Escudo.Server.Storage;

namespace Escudo.Server.Web;

/// <summary>What the console's pages read and act on: the service's own store, scheduler, search and sign-in.</summary>
internal sealed record ConsoleServices(
    ConsoleAuth Auth,
    IServeStore Store,
    string DatabasePath,
    INotableReviewStore Reviews,
    ContentFolder? Content,
    ServeOptions Options,
    ServeStats Stats,
    CommitQueue Queue,
    Func<DetectionScheduler?> Scheduler,
    SearchEndpoints Search,
    TimeProvider Time)
{
    public double Now() => Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
}
