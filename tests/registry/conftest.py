import pytest


@pytest.fixture
def producer(make_user):
    return make_user()


@pytest.fixture
def web(login_as, producer, db_session):
    """The producer signed in to the workspace (what the test made so far is committed first)."""
    db_session.commit()
    return login_as(producer)
