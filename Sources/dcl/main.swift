import DCLCommandLine

DCLCommand.runMain()
