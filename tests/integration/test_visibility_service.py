"""Row-level visibility through the services on both databases (recursive CTEs)."""

from __future__ import annotations

from sqlalchemy import Engine

from coxswain.auth.listing import PageParams
from coxswain.auth.principal import Principal
from coxswain.auth.visibility import subordinate_user_ids
from coxswain.db.engine import unit_of_work
from coxswain.leads.schemas import LeadFilters
from coxswain.leads.service import list_leads
from coxswain.opportunities.schemas import OpportunityFilters
from coxswain.opportunities.service import list_opportunities
from coxswain.people.models import User
from tests.api.org import build_org


def principal(session: object, user_id: object) -> Principal:
    user = session.get(User, user_id)  # type: ignore[attr-defined]
    return Principal(user_id=user.id, email=user.email, role=user.role)


def test_manager_subtree_and_reporting_line(engine: Engine) -> None:
    org = build_org(engine)
    with unit_of_work(engine) as session:
        director = subordinate_user_ids(session, org.users["director"])
        assert director == {
            org.users[n] for n in ("manager_a", "manager_b", "rep_a1", "rep_a2", "rep_b1")
        }
        assert subordinate_user_ids(session, org.users["manager_b"]) == {org.users["rep_b1"]}
        session.get(User, org.users["rep_a2"]).manager_id = org.users["manager_b"]  # dotted line
        session.flush()
        assert subordinate_user_ids(session, org.users["manager_b"]) == {
            org.users["rep_b1"],
            org.users["rep_a2"],
        }
        assert subordinate_user_ids(session, org.users["rep_a1"]) == set()


def test_cycles_in_the_org_data_do_not_loop(engine: Engine) -> None:
    org = build_org(engine)
    with unit_of_work(engine) as session:
        session.get(User, org.users["manager_a"]).manager_id = org.users["rep_a1"]
        session.get(User, org.users["rep_a1"]).manager_id = org.users["manager_a"]
        session.flush()
        found = subordinate_user_ids(session, org.users["manager_a"])
        assert org.users["rep_a1"] in found
        assert org.users["manager_a"] not in found


def test_services_agree_with_the_api_on_what_each_user_sees(engine: Engine) -> None:
    org = build_org(engine)
    with unit_of_work(engine) as session:
        manager = principal(session, org.users["manager_a"])
        deals = list_opportunities(
            session, manager, OpportunityFilters(), PageParams(with_total=True)
        )
        assert deals.total == 3
        assert {d.owner_id for d in deals.items} == {
            org.users[n] for n in ("rep_a1", "rep_a2", "manager_a")
        }
        rep = principal(session, org.users["rep_b1"])
        leads = list_leads(session, rep, LeadFilters(), PageParams())
        assert [lead.id for lead in leads.items] == [org.leads["rep_b1"]]
        system = list_leads(session, Principal.system(), LeadFilters(), PageParams(with_total=True))
        assert system.total == 5
