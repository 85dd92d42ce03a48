using CotLocal;

var builder = WebApplication.CreateBuilder(args);
builder.AddCotLocal();
var app = builder.Build();
app.MapCotLocal();
await app.RunAsync();
