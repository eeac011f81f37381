from taskmon.cli import main

raise SystemExit(main())
