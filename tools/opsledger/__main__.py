from opsledger.cli import console

console()
