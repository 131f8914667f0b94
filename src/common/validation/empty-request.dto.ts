/** Requests without fields (ValidateCredentials, SignOut, RevokeOtherSessions...). */
export class EmptyRequestDto {}
