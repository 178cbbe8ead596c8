// The tests check the managed SHA-256 against the platform's.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Vic.Tether.Tests")]
