/// Certificates and keys for the TLS tests: P-256, valid until 2126, made with openssl for `localhost` and
/// 127.0.0.1, signed by a test CA. Certificate A (serial 01A1) and B (serial 0B2B) have their own keys.
enum TLSFixtures {
    /// Serial 01A1, for `keyA`.
    static let certificateA = """
        -----BEGIN CERTIFICATE-----
        MIIBgTCCASegAwIBAgICAaEwCgYIKoZIzj0EAwIwHTEbMBkGA1UEAwwSUHVzaEJy
        aWRnZSBUZXN0IENBMCAXDTI2MTIwNzA2NDMyMFoYDzIxMjYxMTEzMDY0MzIwWjAU
        MRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT6
        tiop1xbAfUNjNRgDda8QHFVnYNOmRd1hUiNVD9W0vjg386QaEPVFsJU2lgFRAU0P
        p5ecQHS2OkVjLYSU9G99o14wXDAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEw
        HQYDVR0OBBYEFIBlwmAO9cdqcmXrUQZ162FSZUKtMB8GA1UdIwQYMBaAFBJ5vrmG
        4/n0QwMY31qK3KWh4VX+MAoGCCqGSM49BAMCA0gAMEUCIQCc1AWipb+8N1D/Sp4D
        4NiHMAdXr3EK1l85N+9xONs5dwIgQ8r6mBeGmAd5JNiHm2ab5PqylNIy4NuHdssu
        0qepIvs=
        -----END CERTIFICATE-----
        """
    /// The key of certificate A.
    static let keyA = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgubAPRQOOEvahKoiU
        3Eefum/h+FmXYNztu0rjcn3YDlihRANCAAT6tiop1xbAfUNjNRgDda8QHFVnYNOm
        Rd1hUiNVD9W0vjg386QaEPVFsJU2lgFRAU0Pp5ecQHS2OkVjLYSU9G99
        -----END PRIVATE KEY-----
        """
    /// Serial 0B2B, for `keyB`.
    static let certificateB = """
        -----BEGIN CERTIFICATE-----
        MIIBgDCCASegAwIBAgICCyswCgYIKoZIzj0EAwIwHTEbMBkGA1UEAwwSUHVzaEJy
        aWRnZSBUZXN0IENBMCAXDTI2MTIwNzA2NDMyMFoYDzIxMjYxMTEzMDY0MzIwWjAU
        MRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAS0
        osyt8wS/gBJhaamtBhftB3PXUPcXD4z5mic6uqCjCgI2jigxeF7OOLJA31fmCeDx
        TYuDWKGTZHRsesqClHXzo14wXDAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEw
        HQYDVR0OBBYEFBBjoMUfsL03pfZHFaFxYMxIAJOfMB8GA1UdIwQYMBaAFBJ5vrmG
        4/n0QwMY31qK3KWh4VX+MAoGCCqGSM49BAMCA0cAMEQCIChch9PQxfCMllQ3tYTv
        +WF+3XATCzwzBOZ2V5OnidM0AiBLHEpc489cY2kRc8iYios/scygCiyGBv+kaPiN
        oTCQaw==
        -----END CERTIFICATE-----
        """
    /// The key of certificate B.
    static let keyB = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgMOnpUGSH0BbAfyGA
        nqmLVQ9kNppyF0nwWLABM1G1kTGhRANCAAS0osyt8wS/gBJhaamtBhftB3PXUPcX
        D4z5mic6uqCjCgI2jigxeF7OOLJA31fmCeDxTYuDWKGTZHRsesqClHXz
        -----END PRIVATE KEY-----
        """
    /// The CA that signed A and B (serial 0A).
    static let authority = """
        -----BEGIN CERTIFICATE-----
        MIIBfzCCASSgAwIBAgIBCjAKBggqhkjOPQQDAjAdMRswGQYDVQQDDBJQdXNoQnJp
        ZGdlIFRlc3QgQ0EwIBcNMjYxMjA3MDY0MzIwWhgPMjEyNjExMTMwNjQzMjBaMB0x
        GzAZBgNVBAMMElB1c2hCcmlkZ2UgVGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49
        AwEHA0IABKMLD2PPHOrO4bUfYcwg0QAr+6jxQuTEZjwNYKk3flq2NVgMRbNK1NGn
        Be/MOvnRcXytnWxldTI3QLVz/Z17BgqjUzBRMB0GA1UdDgQWBBQSeb65huP59EMD
        GN9aityloeFV/jAfBgNVHSMEGDAWgBQSeb65huP59EMDGN9aityloeFV/jAPBgNV
        HRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDIW4B3ayNYJWk/NGIoYkd0
        Ybt/nUax72+oAJOuBxsjgAIhAICV5gPnlBu147z2ZbVy8K4uIQN4LnuGE5f30Z2y
        5qkB
        -----END CERTIFICATE-----
        """

    /// Certificate A followed by the CA: a chain as a CA hands it out.
    static var chainA: String { certificateA + "\n" + authority }
}
