using System;
using KernelOps.Samples.Pl061;

// The seed's PL061 story on the kernel model: plug, use, block in read, unplug, wake with ENODEV,
// clean failures, close, nothing leaked. Exit code 0 when every step went as it should.
return Pl061Story.Run(Console.Out);
