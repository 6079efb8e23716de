from contextual_targeting.aslgen import main

raise SystemExit(main())
