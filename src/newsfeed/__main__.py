from newsfeed.cli import main

raise SystemExit(main())
