// Namespaces that most test files use: the HTTP and JSON types every server test speaks, the scripted models, the engine's
// types and the server helpers they run against.
global using System.Net;
global using System.Net.Http.Headers;
global using System.Net.Http.Json;
global using System.Text;
global using System.Text.Json;
global using System.Text.Json.Nodes;
global using HiPO.Gguf;
global using HiPO.Gguf.Scripting;
global using HiPO.Inference.Prompting;
global using HiPO.Inference.Scheduling;
global using HiPO.Server.Tests.Support;
