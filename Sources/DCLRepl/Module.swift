// DCLRepl: filled in by its issue; this file keeps the target buildable.
import CReadline
enum DCLReplModule {}
