import DCLDriver
DCLCommand.main()
