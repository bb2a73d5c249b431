"""Resident kiosk: drop a pin, tell a story — by touch, in your language, without an account (issue 3)."""
import streamlit as st

from components import deps, kiosk, kiosk_vote, state, story_form
from components.i18n import t

# No st.stop() here: only a run that reaches the end lets Streamlit forget the widgets it did not draw, and
# that is how the thank-you screen wipes the draft for the next resident.
code = kiosk.session_code()
work_session = kiosk.find_session(code)
lang = kiosk.render_frame(work_session)
receipt = state.kiosk_receipt()

if work_session is None:
    kiosk.render_join(code_was_unknown=bool(code))
elif not work_session.is_open:
    kiosk.render_closed(work_session)
elif receipt:
    kiosk.render_thanks(receipt, work_session.settings.idle_seconds)
elif kiosk_vote.render_entry():  # "Stem op thema's" from the start screen (issue 5)
    kiosk_vote.render_vote(work_session)
else:
    settings, options = deps.settings(), work_session.settings
    area = kiosk.load_area(work_session, lang)
    st.header(t("kiosk.title"), anchor=False)
    st.text(work_session.title)
    st.caption(t("kiosk.idle_hint", seconds=options.idle_seconds))
    location = story_form.render_location(area, tile_url=settings.tile_url, attribution=settings.tile_attribution)
    fields = story_form.render_story_fields(work_session.kinds, work_session.prompts, work_session.themes,
                                            lang=lang, max_chars=options.max_chars)
    photo = story_form.render_photo()
    age, relation = story_form.render_profile(lang)
    consent = story_form.render_consent(options.moderation, options.generalise, options.k)
    draft = story_form.build_draft(location, fields, age, relation, consent, lang=lang, kiosk_id=kiosk.kiosk_id(),
                                   token=state.kiosk_submission_token())
    story_form.render_submit(lambda: kiosk.submit(work_session, area, kiosk.Submission(draft, photo)))

if not receipt:
    kiosk.render_withdraw()
