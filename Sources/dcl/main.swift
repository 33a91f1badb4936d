import CAllocator
import DCLCommandLine

// Allocator settings first (CAllocator/allocator.c says why), then the command.
_ = dcl_allocator_configure()
DCLCommand.runMain()
