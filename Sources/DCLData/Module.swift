// DCLData: filled in by its issue; this file keeps the target buildable.
import SystemZlib
enum DCLDataModule {}
