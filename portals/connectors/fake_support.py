"""Credentials that the local fake vendor servers accept, for the demo and tests."""


def demo_credentials(vendor, fake):
    if vendor == "hubspot":
        return {"access_token": fake.DEFAULT_TOKEN}
    if vendor == "marketo":
        return {"client_id": fake.CLIENT_ID, "client_secret": fake.CLIENT_SECRET}
    if vendor == "salesforce":
        return {
            "username": fake.USERNAME,
            "password": fake.PASSWORD,
            "security_token": fake.SECURITY_TOKEN,
            "client_id": fake.CLIENT_ID,
            "client_secret": fake.CLIENT_SECRET,
        }
    raise ValueError(f"No fake server credentials for vendor {vendor}.")
