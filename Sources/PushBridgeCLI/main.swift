print("pushbridge")
