# Oneof members: a property per member of a real oneof, which generated
# modules with oneofs import. Apart from buffa.message so that programs
# without oneofs do not hold it in their heap (docs/design.md section 10).


def member(oneof, attr):
    # A property for a oneof member: reads None unless it is the set case;
    # setting it makes it the case (None clears it if it was the case).
    ck = "_buffa_c_" + oneof
    vk = "_buffa_v_" + oneof

    def get(self):
        return getattr(self, vk) if getattr(self, ck) == attr else None

    def put(self, v):
        if v is None:
            if getattr(self, ck) == attr:
                setattr(self, ck, None)
                setattr(self, vk, None)
        else:
            setattr(self, ck, attr)
            setattr(self, vk, v)

    return property(get, put)
