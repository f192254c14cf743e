from hfaudit.cli import main

main()
