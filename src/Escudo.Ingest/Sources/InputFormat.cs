namespace Escudo.Ingest.Sources;

public enum InputFormat
{
    Unknown,
    Evtx,
    XmlWinEventLog,
    JsonLines,
    Zip,
}
