import gc
import sys

# The imports make some hundred thousand objects that live as long as the process, and no garbage: the
# collector, scanning them again and again meanwhile, took a tenth of a one-question `ask`. Collection
# resumes after them, over what the command makes (frozen: never scanned, as they are never freed).
gc.disable()
from bot.cli import main  # noqa: E402

gc.freeze()
gc.enable()

sys.exit(main())
