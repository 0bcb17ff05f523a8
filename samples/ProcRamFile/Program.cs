System.Console.WriteLine("ProcRamFile sample: being written");
