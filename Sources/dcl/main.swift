import DCLDriver

DCLCommand.runMain()
