"""Data import: load a real gemeente from a CBS wijk- en buurtkaart, then add indicator CSVs to it."""
import streamlit as st

from components import auth, deps, import_form, state
from components.i18n import t
from domain.errors import ImportRejected
from storage import importer

auth.require("import")
st.title(t("import.title"))
st.caption(t("import.intro"))
kwb_tab, csv_tab, loaded_tab = st.tabs([t("import.tab.kwb"), t("import.tab.csv"), t("import.tab.loaded")],
                                       key="import.tabs")

with kwb_tab:
    st.caption(t("import.kwb.intro"))
    upload = import_form.render_upload("kwb", t("import.kwb.upload"), import_form.GEO_TYPES)
    if upload is not None:
        upload_id, path = upload
        try:
            layers = state.import_memo("kwb", (upload_id, "layers"), lambda: importer.list_layers(path))
            default = state.import_memo("kwb", (upload_id, None, None), lambda: importer.inspect_geofile(path))
            layer = import_form.render_layer_choice([item.name for item in layers], default.layer)
            info = state.import_memo("kwb", (upload_id, layer, None),
                                     lambda: importer.inspect_geofile(path, layer=layer))
            st.caption(t("import.kwb.file_info", format=info.format, layer=info.layer,
                         count=sum(g.buurten for g in info.gemeenten), year=info.year or "?"))
            mapping = import_form.render_mapping(info.mapping, info.columns, info.layer)
            if mapping != info.mapping:
                info = state.import_memo("kwb", (upload_id, layer, mapping),
                                         lambda: importer.inspect_geofile(path, layer=layer, mapping=mapping))
            choice = import_form.render_kwb_choices(info.gemeenten, has_water=mapping.water is not None)
            if choice.submitted:
                with import_form.progress_status(t("import.kwb.running")) as progress, deps.writing() as session:
                    summary = importer.import_kwb(
                        session, path, gemeente=choice.gemeente, now=deps.now(), mapping=mapping, layer=layer,
                        hide_water=choice.hide_water, name=choice.name, progress=progress, actor=state.actor_name())
                st.cache_data.clear()
                state.set_import_summary("kwb", summary)
        except ImportRejected as err:
            st.error(err.user_message)
    import_form.render_summary(state.import_summary("kwb"))

with csv_tab:
    municipality, _version = deps.active_municipality()
    if municipality is None:
        st.info(t("import.csv.no_municipality"))
    else:
        st.caption(t("import.csv.intro", name=municipality.name, code=municipality.code))
        if municipality.is_demo:
            st.warning(t("import.csv.demo_target", name=municipality.name))
        upload = import_form.render_upload("csv", t("import.csv.upload"), import_form.CSV_TYPES)
        if upload is not None:
            upload_id, path = upload
            try:
                detected = state.import_memo("csv", (upload_id, None, None), lambda: importer.inspect_csv(path))
                st.caption(t("import.csv.file_info", rows=detected.rows, delimiter=repr(detected.format.delimiter),
                             decimal=repr(detected.format.decimal)))
                st.dataframe(detected.preview, hide_index=True, width="stretch")
                key_column, year = import_form.render_csv_choices(detected.columns, detected.mapping)
                info = state.import_memo("csv", (upload_id, key_column, year),
                                         lambda: importer.inspect_csv(path, key_column=key_column, year=year))
                st.caption(t("import.csv.level_" + info.mapping.level))
                mapping = import_form.render_csv_columns(info.mapping, token=(upload_id, key_column, year))
                if st.button(t("import.csv.submit"), type="primary", key="import.csv.submit",
                             disabled=not mapping.columns):
                    with import_form.progress_status(t("import.csv.running")) as progress, \
                            deps.writing() as session:
                        summary = importer.import_indicator_csv(
                            session, path, municipality_id=municipality.id, now=deps.now(), mapping=mapping,
                            progress=progress, actor=state.actor_name())
                    st.cache_data.clear()
                    state.set_import_summary("csv", summary)
            except ImportRejected as err:
                st.error(err.user_message)
    import_form.render_summary(state.import_summary("csv"))

with loaded_tab:
    import_form.render_loaded_municipalities()
