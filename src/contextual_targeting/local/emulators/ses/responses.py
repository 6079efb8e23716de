"""The SES v2 operations the emulator serves: each reads its request and answers from the models."""

from __future__ import annotations

from typing import Any

from contextual_targeting.local.emulators.ses.inspection import SesV2Inspection


class SesV2Emulator(SesV2Inspection):
    """Served through ``emulation.emulate(SesV2Emulator())``; a malformed request from Step Functions answers
    ``BadRequestException``, as SES does."""

    service_name = "sesv2"
    validation_error_code = "BadRequestException"

    # ------------------------------------------------------------------ contact lists
    def op_CreateContactList(self, params: dict[str, Any]) -> dict[str, Any]:
        self.create_contact_list(params)
        return {}

    def op_GetContactList(self, params: dict[str, Any]) -> dict[str, Any]:
        contact_list = self._list(params["ContactListName"])
        result: dict[str, Any] = {
            "ContactListName": contact_list.name,
            "Topics": [dict(t) for t in contact_list.topics],
            "CreatedTimestamp": contact_list.created,
            "LastUpdatedTimestamp": contact_list.updated,
            "Tags": [dict(t) for t in contact_list.tags],
        }
        if contact_list.description is not None:
            result["Description"] = contact_list.description
        return result

    def op_UpdateContactList(self, params: dict[str, Any]) -> dict[str, Any]:
        self.update_contact_list(params)
        return {}

    def op_DeleteContactList(self, params: dict[str, Any]) -> dict[str, Any]:
        self._list(params["ContactListName"])
        del self.lists[params["ContactListName"]]
        return {}

    def op_ListContactLists(self, params: dict[str, Any]) -> dict[str, Any]:
        items = [{"ContactListName": c.name, "LastUpdatedTimestamp": c.updated} for c in self.lists.values()]
        page, token = self._page(items, params)
        return {"ContactLists": page, **token}

    # ------------------------------------------------------------------ contacts
    def op_CreateContact(self, params: dict[str, Any]) -> dict[str, Any]:
        self.add_contact(params)
        return {}

    def op_GetContact(self, params: dict[str, Any]) -> dict[str, Any]:
        contact_list, contact = self._addressed_contact(params)
        answer = self._contact_response(contact, self._defaults(contact_list), full=True)
        return {"ContactListName": contact_list.name, **answer}

    def op_UpdateContact(self, params: dict[str, Any]) -> dict[str, Any]:
        self.update_contact(params)
        return {}

    def op_DeleteContact(self, params: dict[str, Any]) -> dict[str, Any]:
        contact_list, contact = self._addressed_contact(params)
        del contact_list.contacts[contact["EmailAddress"]]
        return {}

    def op_ListContacts(self, params: dict[str, Any]) -> dict[str, Any]:
        contacts = self.filtered_contacts(self._list(params["ContactListName"]), params.get("Filter", {}))
        page, token = self._page(contacts, params)
        return {"Contacts": page, **token}

    # ------------------------------------------------------------------ import jobs
    def op_CreateImportJob(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"JobId": self.create_import_job(params)}

    def op_GetImportJob(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self.import_job(params["JobId"])
        self.advance(job)
        return dict(job.response)
